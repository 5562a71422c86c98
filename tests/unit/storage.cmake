# storage unit tests: the driver contract suite (run against every driver the
# test run can reach; see storage_backends.hpp), the asynchronous front, and
# what is specific to SQLite and to PostgreSQL.
file(GLOB storage_test_sources CONFIGURE_DEPENDS
  "${CMAKE_CURRENT_LIST_DIR}/storage_*_test.cpp")
add_executable(storage_tests ${storage_test_sources})
target_link_libraries(storage_tests PRIVATE jng_storage jng_catch_main PkgConfig::SQLITE3)
add_test(NAME storage_tests COMMAND storage_tests)
# With JNG_TEST_PGSQL set the suite also runs against that PostgreSQL server,
# and one test stops and starts it (JNG_TEST_PGSQL_CTL): nothing else may
# use the server meanwhile.
set_tests_properties(storage_tests PROPERTIES RESOURCE_LOCK jng_pgsql_server)
# The schema test compares the embedded migrations with the files themselves.
get_target_property(jng_storage_dir jng_storage SOURCE_DIR)
target_compile_definitions(storage_tests PRIVATE
  JNG_STORAGE_MIGRATIONS_DIR="${jng_storage_dir}/migrations")
