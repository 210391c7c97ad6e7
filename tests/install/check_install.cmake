# ctest install_tree: `cmake --install` into a fresh prefix installs exactly the two programs,
# the icons (hicolor: the SVG and each PNG size, at its size), the desktop entry and the AppStream
# metainfo, and nothing else; the desktop entry names the installed program and icon; the
# installed programs run from there; `appstreamcli validate-tree` passes (it also checks that the
# metainfo's launchable, the desktop entry, is installed).
# cmake -DBUILD_DIR=... -DWORK=... -DAPP_ID=... -DICON_SIZES=16,32,... -DAPPSTREAMCLI=... -P this
foreach(var BUILD_DIR WORK APP_ID ICON_SIZES APPSTREAMCLI)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_install.cmake needs -D${var}=...")
  endif()
endforeach()
string(REPLACE "," ";" ICON_SIZES "${ICON_SIZES}")

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} (exit ${rc}): ${ARGN}\n${out}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

# A distribution's layout (PREFIX/usr) so validate-tree, which looks under ROOT/usr/share, can
# check the result. Every install rule is in CMake's default component; naming it makes cmake
# write install_manifest_Unspecified.txt, so the build's install_manifest.txt (what uninstalling
# a real `cmake --install` reads, README) is left alone.
set(prefix ${WORK}/usr)
file(REMOVE_RECURSE ${WORK})
run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix}
    --component Unspecified)

set(expected bin/vkchat bin/vkchat-cli share/applications/${APP_ID}.desktop
             share/metainfo/${APP_ID}.metainfo.xml share/icons/hicolor/scalable/apps/${APP_ID}.svg)
foreach(size IN LISTS ICON_SIZES)
  list(APPEND expected share/icons/hicolor/${size}x${size}/apps/${APP_ID}.png)
endforeach()
file(GLOB_RECURSE installed LIST_DIRECTORIES false RELATIVE ${prefix} ${prefix}/*)
list(SORT expected)
list(SORT installed)
if(NOT installed STREQUAL expected)
  string(REPLACE ";" "\n  " e "${expected}")
  string(REPLACE ";" "\n  " i "${installed}")
  message(FATAL_ERROR "installed tree differs from the expected one\nexpected:\n  ${e}\ninstalled:\n  ${i}")
endif()

# Each PNG is a PNG of its directory's size (width and height are the IHDR chunk's first fields).
foreach(size IN LISTS ICON_SIZES)
  set(png ${prefix}/share/icons/hicolor/${size}x${size}/apps/${APP_ID}.png)
  file(READ ${png} head LIMIT 24 HEX)
  string(SUBSTRING "${head}" 0 16 signature)
  string(SUBSTRING "${head}" 32 8 w)
  string(SUBSTRING "${head}" 40 8 h)
  math(EXPR w "0x${w}")
  math(EXPR h "0x${h}")
  if(NOT signature STREQUAL "89504e470d0a1a0a" OR NOT w EQUAL size OR NOT h EQUAL size)
    message(FATAL_ERROR "${png}: expected a ${size}x${size} PNG, read signature ${signature}, ${w}x${h}")
  endif()
endforeach()

# The desktop entry starts an installed program and names the installed icon.
file(READ ${prefix}/share/applications/${APP_ID}.desktop desktop)
if(NOT desktop MATCHES "\nExec=([^ \n]+)" OR NOT EXISTS ${prefix}/bin/${CMAKE_MATCH_1})
  message(FATAL_ERROR "the desktop entry's Exec names no installed program:\n${desktop}")
endif()
if(NOT desktop MATCHES "\nIcon=${APP_ID}\n")
  message(FATAL_ERROR "the desktop entry's Icon is not ${APP_ID}:\n${desktop}")
endif()

# The installed programs run from the prefix (nothing points back into the build tree).
run("installed vkchat-cli --help" ${prefix}/bin/vkchat-cli --help)
if(NOT run_output MATCHES "generate")
  message(FATAL_ERROR "installed vkchat-cli --help lists no commands:\n${run_output}")
endif()
run("installed vkchat --help" ${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen
    ${prefix}/bin/vkchat --help)
if(NOT run_output MATCHES "--model")
  message(FATAL_ERROR "installed vkchat --help shows no options:\n${run_output}")
endif()

run("appstreamcli validate-tree" ${APPSTREAMCLI} validate-tree --no-net ${WORK})
file(REMOVE_RECURSE ${WORK})
message(STATUS "installed tree as expected (${prefix})")
