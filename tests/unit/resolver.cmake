# resolver unit tests: SRV ordering and weighted selection, lookups over a
# scripted DNS, the cache on an injected clock, answers, DNS message
# parsing, resolver.xml, the c-ares client against dead servers, and the
# component without a router.
add_executable(resolver_tests
  resolver_answer_test.cpp
  resolver_ares_test.cpp
  resolver_cache_test.cpp
  resolver_lookup_test.cpp
  resolver_service_test.cpp
  resolver_srv_test.cpp
)
target_link_libraries(resolver_tests PRIVATE jng_resolver_lib jng_catch_main)
add_test(NAME resolver_tests COMMAND resolver_tests)
