# jabberdctl import-jabberd2: the conversion of jabberd2's rows, without a
# database (the integration test imports a real jabberd2 schema).
add_executable(import_jabberd2_tests import_jabberd2_test.cpp)
target_link_libraries(import_jabberd2_tests PRIVATE jng_jabberd2_import jng_catch_main)
add_test(NAME import_jabberd2_tests COMMAND import_jabberd2_tests)
