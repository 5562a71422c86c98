# tls unit tests: the backend chosen by JNG_TLS_BACKEND, driven through the
# tls.hpp interface only. Certificates are minted at test time (tls_test_certs)
# with OpenSSL whichever backend is under test, which is why the tests link
# OpenSSL even in a gnutls build (the daemons do not): the certificates then
# come from a library other than the one that parses them.
find_package(OpenSSL 3.0 REQUIRED)

add_executable(tls_tests
  ${CMAKE_CURRENT_LIST_DIR}/tls_test_certs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tls_handshake_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tls_channel_binding_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tls_peer_certificate_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tls_errors_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tls_digest_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tls_interop_test.cpp
)
target_link_libraries(tls_tests PRIVATE jng_tls jng_catch_main OpenSSL::SSL OpenSSL::Crypto)
# The backend the build chose, for the test that checks backend_name().
target_compile_definitions(tls_tests PRIVATE JNG_TLS_BACKEND_NAME="${JNG_TLS_BACKEND}")
add_test(NAME tls_tests COMMAND tls_tests)
