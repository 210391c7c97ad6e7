# cmake -P script: turns one .spv file into a C++ array of 32-bit words.
file(READ ${SPV} hex HEX)
string(LENGTH "${hex}" len)
math(EXPR words "${len} / 8")
# SPIR-V words are little-endian in the file: reverse the bytes of each word for the literal.
string(REGEX REPLACE "(..)(..)(..)(..)" "0x\\4\\3\\2\\1u," body "${hex}")
string(REGEX REPLACE "((0x[0-9a-f]+u,){8})" "\\1\n" body "${body}")
file(WRITE ${OUT} "// Generated from ${NAME}.comp\n#include <cstddef>\n#include <cstdint>\nnamespace vkchat::vk::spirv {\nextern const std::uint32_t ${NAME}_words[];\nextern const std::size_t ${NAME}_count;\nconst std::uint32_t ${NAME}_words[] = {\n${body}};\nconst std::size_t ${NAME}_count = ${words};\n}\n")
