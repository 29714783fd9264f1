# ctest script: install the build tree into a temp prefix, configure and build tests/consumer against it
# with find_package(synclatch), run the result and check what it printed; then build the C consumer
# (tests/consumer/c_consumer.c) with the flags pkg-config gives for the installed synclatch.pc, and run it.
foreach(var BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR C_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "consumer_test.cmake needs -D${var}=...")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(run)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix")
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix" -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
run("${WORK_DIR}/build/consumer")
if(NOT last_output MATCHES "changed thing-1 \\(put\\)" OR NOT last_output MATCHES "thing-1 = {\"name\":\"thing one\"}")
  message(FATAL_ERROR "the consumer printed something else:\n${last_output}")
endif()
message(STATUS "consumer built against the installed package and printed:\n${last_output}")

# The C API as a C app's Makefile finds it: pkg-config, from the installed synclatch.pc.
find_program(PKG_CONFIG pkg-config REQUIRED)
file(GLOB_RECURSE pc_file "${WORK_DIR}/prefix/synclatch.pc")
if(NOT pc_file)
  message(FATAL_ERROR "no synclatch.pc was installed under ${WORK_DIR}/prefix")
endif()
cmake_path(GET pc_file PARENT_PATH pc_dir)
set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
run(${PKG_CONFIG} --cflags --libs synclatch)
separate_arguments(pc_flags UNIX_COMMAND "${last_output}")
run(${PKG_CONFIG} --variable=libdir synclatch)
string(STRIP "${last_output}" libdir)
run(${C_COMPILER} -std=c11 -Wall -Werror "${SOURCE_DIR}/c_consumer.c" ${pc_flags} "-Wl,-rpath,${libdir}"
    -o "${WORK_DIR}/c_consumer")
file(MAKE_DIRECTORY "${WORK_DIR}/c-data")
run("${WORK_DIR}/c_consumer" "${WORK_DIR}/c-data")
if(NOT last_output MATCHES "^synclatch [0-9]+\\.[0-9]+\\.[0-9]+: k = v")
  message(FATAL_ERROR "the C consumer printed something else:\n${last_output}")
endif()
message(STATUS "the C consumer built with pkg-config's flags and printed: ${last_output}")
