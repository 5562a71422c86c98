# muc unit tests: the role and affiliation rules of XEP-0045 §5, the room
# configuration form, discussion history, the join rate, rooms driven
# without a router, and the room store on a real SQLite file.
add_executable(muc_tests
  muc_history_test.cpp
  muc_join_limiter_test.cpp
  muc_privileges_test.cpp
  muc_room_config_test.cpp
  muc_room_store_test.cpp
  muc_room_test.cpp
)
target_link_libraries(muc_tests PRIVATE jng_muc_lib jng_catch_main PkgConfig::SQLITE3)
add_test(NAME muc_tests COMMAND muc_tests)
