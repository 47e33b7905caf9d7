# Cross-building rasleak.exe for 64-bit Windows with Debian's mingw-w64.
#
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake \
#         -DRASLEAK_WIN_DEPS=<prefix with jansson and cmocka built for Windows>
#
# scripts/build-windows does all of it, dependencies included.  The win32
# thread model of the compiler is used: rasleak needs no POSIX threads on
# Windows (src/lib/platform/os_win.c uses the Win32 API), and everything is
# linked statically, so rasleak.exe needs no DLL beyond the system's own.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(RASLEAK_MINGW x86_64-w64-mingw32)

find_program(CMAKE_C_COMPILER NAMES ${RASLEAK_MINGW}-gcc-win32 ${RASLEAK_MINGW}-gcc REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${RASLEAK_MINGW}-windres)
find_program(CMAKE_AR NAMES ${RASLEAK_MINGW}-gcc-ar-win32 ${RASLEAK_MINGW}-ar)
find_program(CMAKE_RANLIB NAMES ${RASLEAK_MINGW}-gcc-ranlib-win32 ${RASLEAK_MINGW}-ranlib)

# Debian installs the mingw-w64 headers and libraries under /usr/<triplet>.
set(CMAKE_FIND_ROOT_PATH /usr/${RASLEAK_MINGW})
if(RASLEAK_WIN_DEPS)
  list(APPEND CMAKE_FIND_ROOT_PATH ${RASLEAK_WIN_DEPS})
  # pkg-config must see the Windows builds only, never the host's .pc files.
  set(ENV{PKG_CONFIG_LIBDIR} ${RASLEAK_WIN_DEPS}/lib/pkgconfig)
  set(ENV{PKG_CONFIG_PATH} "")
  set(ENV{PKG_CONFIG_SYSROOT_DIR} "")
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# Tests are run through Wine when ctest runs them here.
find_program(RASLEAK_WINE NAMES wine)
if(RASLEAK_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${RASLEAK_WINE})
endif()
