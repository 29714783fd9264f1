# Cross-building for ARM64 Linux on a Debian host: the aarch64-linux-gnu toolchain
# (g++-aarch64-linux-gnu) and the :arm64 multiarch packages of the libraries (scripts/install-deps.sh
# --arm64), which live in /usr/lib/aarch64-linux-gnu. Programs built here run under qemu-aarch64
# (qemu-user), which ctest and the tests' own child processes use (scripts/arm64-tests.sh).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# find_library and find_package look in /usr/lib/aarch64-linux-gnu, not in the host's x86_64 folders.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
find_program(SYNCLATCH_QEMU_AARCH64 qemu-aarch64 REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${SYNCLATCH_QEMU_AARCH64})
# pkg-config (which FindOpenSSL asks first) reads the arm64 packages' .pc files, not the host's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
