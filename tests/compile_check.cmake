# ctest script: builds one target of the build tree that is excluded from ALL (tests/compile_checks) and
# checks how that went. EXPECT is "compiles", or a regular expression the compiler's output must match: then
# the build must fail, and for that reason (a check that fails for another reason, a missing file or a
# broken setup, fails the test).
foreach(var BUILD_DIR TARGET EXPECT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "compile_check.cmake needs -D${var}=...")
  endif()
endforeach()

execute_process(COMMAND ${CMAKE_COMMAND} --build "${BUILD_DIR}" --target "${TARGET}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(output "${out}${err}")
if(EXPECT STREQUAL "compiles")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${TARGET} must compile, and did not (${rc}):\n${output}")
  endif()
  message(STATUS "${TARGET} compiles")
elseif(rc EQUAL 0)
  message(FATAL_ERROR "${TARGET} must not compile, and did:\n${output}")
elseif(NOT output MATCHES "${EXPECT}")
  message(FATAL_ERROR "${TARGET} failed to compile, but not with an error matching '${EXPECT}':\n${output}")
else()
  message(STATUS "${TARGET} does not compile, as it must not: '${CMAKE_MATCH_0}'")
endif()
