# The tests of the Windows build, included by tests/CMakeLists.txt when
# WIN32.  ctest runs them through Wine here (the toolchain file sets it as
# the emulator); scripts/test-windows does so with a Wine prefix inside the
# build folder.  Left out: the tests that need Linux (procfs, fork,
# setrlimit, rlimits: sampler, mock, the CLI tests) and test_analyze, which
# uses rand_r.  The Windows sampler and the mock's Windows handles have
# test_sampler_win, the RAS backend test_ras_win.
foreach(name stats options trend driver)
  rasleak_unit_test(${name})
endforeach()
rasleak_unit_test(sampler_win)
rasleak_unit_test(ras_win)
