// XEP-0082 date and time profiles, as the sm's modules read and write them:
// DateTime (vacation periods, entity time) and the legacy XEP-0091 form
// jabberd2 also accepted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jng::sm {

// Unix seconds of an XEP-0082 DateTime, CCYY-MM-DDThh:mm:ss[.sss]TZD (TZD
// "Z" or +hh:mm / -hh:mm; fractions of a second are dropped), or of the
// legacy CCYYMMDDThh:mm:ss in UTC (XEP-0091). nullopt when `text` is neither,
// names a day or time that does not exist, or lies before 1970.
std::optional<int64_t> parse_datetime(std::string_view text);

// CCYY-MM-DDThh:mm:ssZ (XEP-0082 §3.2) for unix seconds `t` (t >= 0).
std::string format_datetime(int64_t t);

// A time zone offset east of UTC as an XEP-0082 TZD with hours and minutes
// ("+00:00", "-05:30"), as XEP-0202's <tzo/> wants it.
std::string format_tzo(int64_t offset_seconds);

}  // namespace jng::sm
