# The load generator's own pieces: histogram percentiles, the stanza
# marker, loopback-only addresses, the JSON writer.
add_executable(loadgen_tests loadgen_stats_test.cpp loadgen_support_test.cpp)
target_link_libraries(loadgen_tests PRIVATE jng_loadgen_lib jng_catch_main)
add_test(NAME loadgen_tests COMMAND loadgen_tests)
