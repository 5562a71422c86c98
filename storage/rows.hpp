// Checks on the values that go into and come out of the database, shared by
// every driver: a row read back is input like any other, and a corrupt one
// becomes an error value instead of a crash or a nonsense login.
#pragma once

#include <cstdint>
#include <string_view>

#include "result.hpp"
#include "types.hpp"

namespace jng::storage {

// PBKDF2 work above this would let a tampered row stall a worker for minutes.
inline constexpr int64_t kMaxScramIterations = 10'000'000;

// An empty credential (iterations 0, every field empty) means "none for this
// hash"; otherwise iterations in [1, kMaxScramIterations], a base64 salt and
// hex keys as long as the hash's output.
Status check_credential(sasl::Hash hash, const ScramCredential& credential);

// Non-empty username and realm, valid credentials.
Status check_record(const AuthRecord& record);

// A collection owner or a contact JID: non-empty (normalization is the
// caller's job: storage compares bytes).
Status check_key(std::string_view what, std::string_view value);

// Non-empty contact, no empty group names.
Status check_item(const RosterItem& item);

Status check_stanza(std::string_view xml);

// Column values read back.
Result<bool> flag_from_column(std::string_view column, int64_t value);
Result<RosterItem::Ask> ask_from_column(int64_t value);
int64_t ask_to_column(RosterItem::Ask ask);
Result<int> iterations_from_column(std::string_view column, int64_t value);

// Seconds since the epoch, for the "created"/"applied" columns.
int64_t unix_now();

// "corrupt row in <table>: <what>", the one message shape for bad data read.
Error corrupt(std::string_view table, std::string_view what);

}  // namespace jng::storage
