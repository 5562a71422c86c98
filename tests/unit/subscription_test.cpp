// RFC 6121 Appendix A, transition by transition: the tables of A.2 (the
// user's outbound stanzas) and A.3 (inbound stanzas for the user).
#include <catch.hpp>

#include "subscription.hpp"

using jng::sm::inbound;
using jng::sm::outbound;
using jng::sm::SubState;
using jng::sm::SubType;

namespace {

// The nine states of Appendix A.1.
SubState none() { return {}; }
SubState none_out() { return {false, false, true, false, false}; }
SubState none_in() { return {false, false, false, true, false}; }
SubState none_out_in() { return {false, false, true, true, false}; }
SubState to() { return {true, false, false, false, false}; }
SubState to_in() { return {true, false, false, true, false}; }
SubState from() { return {false, true, false, false, false}; }
SubState from_out() { return {false, true, true, false, false}; }
SubState both() { return {true, true, false, false, false}; }

struct Row {
    const char* name;
    SubState before;
    SubState after;
};

void check_outbound(SubType type, const std::vector<Row>& rows) {
    for (const auto& r : rows) {
        INFO(r.name);
        const auto out = outbound(r.before, type);
        CHECK(out.state == r.after);
        CHECK(out.changed == !(r.before == r.after));
    }
}

void check_inbound(SubType type, const std::vector<Row>& rows, bool deliver_when_changed = true) {
    for (const auto& r : rows) {
        INFO(r.name);
        const auto in = inbound(r.before, type);
        CHECK(in.state == r.after);
        CHECK(in.changed == !(r.before == r.after));
        if (deliver_when_changed && type != SubType::kSubscribe) CHECK(in.forward == in.changed);
    }
}

}  // namespace

TEST_CASE("A.2.1 outbound subscribe") {
    check_outbound(SubType::kSubscribe, {
        {"None", none(), none_out()},
        {"None + Pending Out", none_out(), none_out()},
        {"None + Pending In", none_in(), none_out_in()},
        {"None + Pending Out/In", none_out_in(), none_out_in()},
        {"To", to(), to()},
        {"To + Pending In", to_in(), to_in()},
        {"From", from(), from_out()},
        {"From + Pending Out", from_out(), from_out()},
        {"Both", both(), both()},
    });
    CHECK(outbound(to(), SubType::kSubscribe).forward);  // the contact's server answers itself
}

TEST_CASE("A.2.2 outbound unsubscribe") {
    check_outbound(SubType::kUnsubscribe, {
        {"None", none(), none()},
        {"None + Pending Out", none_out(), none()},
        {"None + Pending In", none_in(), none_in()},
        {"None + Pending Out/In", none_out_in(), none_in()},
        {"To", to(), none()},
        {"To + Pending In", to_in(), none_in()},
        {"From", from(), from()},
        {"From + Pending Out", from_out(), from()},
        {"Both", both(), from()},
    });
}

TEST_CASE("A.2.3 outbound subscribed") {
    SubState approved = none();
    approved.approved = true;
    SubState out_approved = none_out();
    out_approved.approved = true;
    SubState to_approved = to();
    to_approved.approved = true;
    check_outbound(SubType::kSubscribed, {
        {"None (pre-approves)", none(), approved},
        {"None + Pending Out (pre-approves)", none_out(), out_approved},
        {"None + Pending In", none_in(), from()},
        {"None + Pending Out/In", none_out_in(), from_out()},
        {"To (pre-approves)", to(), to_approved},
        {"To + Pending In", to_in(), both()},
        {"From", from(), from()},
        {"From + Pending Out", from_out(), from_out()},
        {"Both", both(), both()},
    });
    // §3.1.5: only an answer to a pending request goes to the contact.
    CHECK(outbound(none_in(), SubType::kSubscribed).forward);
    CHECK_FALSE(outbound(none(), SubType::kSubscribed).forward);
    CHECK_FALSE(outbound(from(), SubType::kSubscribed).forward);
}

TEST_CASE("A.2.4 outbound unsubscribed") {
    SubState approved = none();
    approved.approved = true;
    check_outbound(SubType::kUnsubscribed, {
        {"None", none(), none()},
        {"None + Pending Out", none_out(), none_out()},
        {"None + Pending In", none_in(), none()},
        {"None + Pending Out/In", none_out_in(), none_out()},
        {"To", to(), to()},
        {"To + Pending In", to_in(), to()},
        {"From", from(), none()},
        {"From + Pending Out", from_out(), none_out()},
        {"Both", both(), to()},
        {"a pre-approval is withdrawn", approved, none()},
    });
    CHECK(outbound(from(), SubType::kUnsubscribed).forward);
    CHECK_FALSE(outbound(to(), SubType::kUnsubscribed).forward);
}

TEST_CASE("A.3.1 inbound subscribe") {
    check_inbound(SubType::kSubscribe, {
        {"None", none(), none_in()},
        {"None + Pending Out", none_out(), none_out_in()},
        {"None + Pending In", none_in(), none_in()},
        {"None + Pending Out/In", none_out_in(), none_out_in()},
        {"To", to(), to_in()},
        {"To + Pending In", to_in(), to_in()},
        {"From", from(), from()},
        {"From + Pending Out", from_out(), from_out()},
        {"Both", both(), both()},
    });
    // §3.1.3: the request reaches the user unless the server answers it.
    CHECK(inbound(none(), SubType::kSubscribe).forward);
    CHECK_FALSE(inbound(none(), SubType::kSubscribe).auto_reply);
    for (SubState s : {from(), from_out(), both()}) {
        const auto r = inbound(s, SubType::kSubscribe);
        CHECK(r.auto_reply);
        CHECK_FALSE(r.forward);
    }
}

TEST_CASE("A.3.1 with pre-approval (§3.4)") {
    SubState approved = none();
    approved.approved = true;
    const auto r = inbound(approved, SubType::kSubscribe);
    CHECK(r.state == from());
    CHECK(r.auto_reply);
    CHECK_FALSE(r.forward);
    SubState to_approved = to();
    to_approved.approved = true;
    CHECK(inbound(to_approved, SubType::kSubscribe).state == both());
}

TEST_CASE("A.3.2 inbound subscribed") {
    check_inbound(SubType::kSubscribed, {
        {"None", none(), none()},
        {"None + Pending Out", none_out(), to()},
        {"None + Pending In", none_in(), none_in()},
        {"None + Pending Out/In", none_out_in(), to_in()},
        {"To", to(), to()},
        {"To + Pending In", to_in(), to_in()},
        {"From", from(), from()},
        {"From + Pending Out", from_out(), both()},
        {"Both", both(), both()},
    });
}

TEST_CASE("A.3.3 inbound unsubscribe") {
    check_inbound(SubType::kUnsubscribe, {
        {"None", none(), none()},
        {"None + Pending Out", none_out(), none_out()},
        {"None + Pending In", none_in(), none()},
        {"None + Pending Out/In", none_out_in(), none_out()},
        {"To", to(), to()},
        {"To + Pending In", to_in(), to()},
        {"From", from(), none()},
        {"From + Pending Out", from_out(), none_out()},
        {"Both", both(), to()},
    });
}

TEST_CASE("A.3.4 inbound unsubscribed") {
    check_inbound(SubType::kUnsubscribed, {
        {"None", none(), none()},
        {"None + Pending Out", none_out(), none()},
        {"None + Pending In", none_in(), none_in()},
        {"None + Pending Out/In", none_out_in(), none_in()},
        {"To", to(), none()},
        {"To + Pending In", to_in(), none_in()},
        {"From", from(), from()},
        {"From + Pending Out", from_out(), from()},
        {"Both", both(), from()},
    });
}

TEST_CASE("roster item round trip of the state") {
    jng::storage::RosterItem item;
    item.jid = "bob@example.com";
    item.pending_in = "<presence type='subscribe'/>";
    SubState s = SubState::of(item);
    CHECK(s == none_in());
    s.pending_in = false;
    s.from = true;
    s.apply_to(item);
    CHECK(item.from);
    CHECK(item.pending_in.empty());
    CHECK(item.ask == jng::storage::RosterItem::Ask::kNone);
}

TEST_CASE("subscription types") {
    SubType t;
    CHECK(jng::sm::parse_sub_type("subscribed", t));
    CHECK(t == SubType::kSubscribed);
    CHECK_FALSE(jng::sm::parse_sub_type("probe", t));
    CHECK_FALSE(jng::sm::parse_sub_type("", t));
}
