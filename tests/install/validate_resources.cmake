# ctest install_resources_valid: the desktop entry passes desktop-file-validate with nothing to
# say (hints included) and the AppStream metainfo passes `appstreamcli validate` offline.
# cmake -DDESKTOP_FILE_VALIDATE=... -DAPPSTREAMCLI=... -DDESKTOP=... -DMETAINFO=... -P this
foreach(var DESKTOP_FILE_VALIDATE APPSTREAMCLI DESKTOP METAINFO)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "validate_resources.cmake needs -D${var}=...")
  endif()
endforeach()

execute_process(COMMAND ${DESKTOP_FILE_VALIDATE} ${DESKTOP}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out STREQUAL "")
  message(FATAL_ERROR "desktop-file-validate ${DESKTOP} (exit ${rc}):\n${out}")
endif()

# Fails on errors and warnings; infos (no content rating) and pedantic notes (no releases) pass.
execute_process(COMMAND ${APPSTREAMCLI} validate --no-net ${METAINFO}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "appstreamcli validate --no-net ${METAINFO} (exit ${rc}):\n${out}")
endif()
message(STATUS "valid: ${DESKTOP}, ${METAINFO}")
