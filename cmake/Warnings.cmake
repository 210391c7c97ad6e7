# Warnings-as-errors for our own targets only (never for generated or system code).
function(vkchat_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
endfunction()
