# sasl unit tests: SCRAM known answers (cross-checked with OpenSSL) and full
# exchanges against a real libgsasl client.
find_package(OpenSSL 3.0 REQUIRED)

add_executable(sasl_tests
  scram_test.cpp
  sasl_server_test.cpp
)
target_link_libraries(sasl_tests PRIVATE
  jng_sasl jng_catch_main PkgConfig::GSASL OpenSSL::Crypto Threads::Threads)
add_test(NAME sasl_tests COMMAND sasl_tests)
