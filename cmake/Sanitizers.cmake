# ASan+UBSan for the whole build when VKCHAT_SANITIZE is on; any UB report aborts the test.
if(VKCHAT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
