# ASan+UBSan for the whole build when VKCHAT_SANITIZE is on; any UB report aborts the test. -O1
# (as the sanitizers' docs advise) keeps the reports exact and runs the suites several times faster
# than -O0.
if(VKCHAT_SANITIZE)
  add_compile_options(-O1 -fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
