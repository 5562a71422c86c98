# Embeds storage/migrations/NNN_name.sql into a C++ source at build time, so
# the daemons and jabberdctl carry their schema with them. Run as
#   cmake -DMIGRATIONS_DIR=... -DTEMPLATE=... -DOUTPUT=... -P embed_migrations.cmake
# The bytes go in as a char array, so no SQL text can break the generated code.
file(GLOB files "${MIGRATIONS_DIR}/*.sql")
list(SORT files)

set(JNG_MIGRATION_ARRAYS "")
set(JNG_MIGRATION_TABLE "")
set(expected 1)
foreach(path IN LISTS files)
  get_filename_component(file_name "${path}" NAME)
  if(NOT file_name MATCHES "^([0-9][0-9][0-9])_([a-z0-9_]+)\\.sql$")
    message(FATAL_ERROR "${path}: migrations are named NNN_name.sql (lowercase name)")
  endif()
  set(name "${CMAKE_MATCH_2}")
  math(EXPR version "${CMAKE_MATCH_1}")
  if(NOT version EQUAL expected)
    message(FATAL_ERROR "${path}: migration ${expected} was expected next (no gaps, no duplicates)")
  endif()
  math(EXPR expected "${expected} + 1")

  file(READ "${path}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  if(hex_length EQUAL 0)
    message(FATAL_ERROR "${path}: empty migration")
  endif()
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
  string(REPEAT "'[^']*'," 16 sixteen)
  string(REGEX REPLACE "(${sixteen})" "\\1\n    " bytes "${bytes}")
  math(EXPR size "${hex_length} / 2")
  string(APPEND JNG_MIGRATION_ARRAYS
    "// ${file_name}\nconstexpr char kMigration${version}[] = {\n    ${bytes}'\\0'};\n\n")
  string(APPEND JNG_MIGRATION_TABLE
    "    {${version}, \"${name}\", {kMigration${version}, ${size}}},\n")
endforeach()

if(expected EQUAL 1)
  message(FATAL_ERROR "no migrations in ${MIGRATIONS_DIR}")
endif()

configure_file("${TEMPLATE}" "${OUTPUT}" @ONLY)
