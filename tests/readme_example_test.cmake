# ctest script: README.md must contain tests/consumer/main.cpp verbatim (the example users copy).
file(READ "${README}" readme)
file(READ "${EXAMPLE}" example)
string(FIND "${readme}" "${example}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md does not contain ${EXAMPLE} verbatim; paste the file into its C++ example block")
endif()
