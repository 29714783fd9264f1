# Warnings for every synclatch target: synclatch_set_warnings(<target>).
function(synclatch_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
  if(SYNCLATCH_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
