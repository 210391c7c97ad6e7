# ASan+UBSan for the whole build when VKCHAT_SANITIZE is on; any UB report aborts the test. -O1
# (as the sanitizers' docs advise) keeps the reports exact and runs the suites several times faster
# than -O0. -g1 (line tables) is all the reports' stack traces need, and compiles a third faster
# than full debug info.
if(VKCHAT_SANITIZE)
  add_compile_options(-O1 -g1 -fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
