# CPack: a Debian package of what `cmake --install` installs (cd build && cpack).
# The libraries the binaries link come from dpkg-shlibdeps (libsecret-1-0 among them: the API keys
# of remote servers go to the desktop's secret store through it); what is loaded at run time and so
# invisible to it (the QML modules the views import, the file dialogs' folder model) is listed
# by hand, and a Vulkan driver is recommended (mesa's lavapipe runs anywhere; a GPU's own driver
# is as good).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vkchat)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Chat with large language models on your own machine")
set(CPACK_PACKAGE_DESCRIPTION
    "A Qt desktop app and a command line (vkchat-cli) over an inference engine of its own written\n\
on Vulkan compute shaders. Opens GGUF models; runs on any Vulkan device, lavapipe included.")
set(CPACK_PACKAGE_CONTACT "vkchat developers" CACHE STRING "The .deb's Maintainer field")
set(CPACK_STRIP_FILES ON)  # RelWithDebInfo binaries are mostly debug information
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # vkchat_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
if(VKCHAT_BUILD_GUI)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "qml6-module-qtqml, qml6-module-qtqml-models, qml6-module-qtqml-workerscript, \
qml6-module-qtquick, qml6-module-qtquick-window, qml6-module-qtquick-controls, \
qml6-module-qtquick-templates, qml6-module-qtquick-layouts, qml6-module-qtquick-dialogs, \
qml6-module-qt-labs-folderlistmodel")
endif()
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "mesa-vulkan-drivers")
include(CPack)
