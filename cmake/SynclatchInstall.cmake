# install(EXPORT) of the library targets with a package config, so apps can find_package(synclatch).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS synclatch_core synclatch_sync synclatch_http synclatch_platform
  EXPORT synclatchTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY core/include/synclatch sync/include/synclatch platform/include/synclatch
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(SYNCLATCH_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/synclatch)
install(EXPORT synclatchTargets NAMESPACE synclatch:: DESTINATION ${SYNCLATCH_CMAKE_DIR})
configure_package_config_file(cmake/synclatchConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/synclatchConfig.cmake
  INSTALL_DESTINATION ${SYNCLATCH_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/synclatchConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/synclatchConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/synclatchConfigVersion.cmake
  DESTINATION ${SYNCLATCH_CMAKE_DIR})

# The C API: libsynclatch.so with its SONAME links, synclatch/synclatch.h, and synclatch.pc for pkg-config
# (find_package(synclatch) gives it as synclatch::c).
if(TARGET synclatch_c)
  install(TARGETS synclatch_c EXPORT synclatchTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES bindings/c/include/synclatch/synclatch.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/synclatch)
  file(RELATIVE_PATH SYNCLATCH_PC_PREFIX_FROM_PCFILEDIR "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
  configure_file(cmake/synclatch.pc.in ${CMAKE_CURRENT_BINARY_DIR}/synclatch.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/synclatch.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()
