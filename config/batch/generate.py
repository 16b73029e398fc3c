#!/usr/bin/env python3
"""Writes the sample batch outputs of config/reconcile.toml (run from anywhere; deterministic).

borrower-review.dat: the legacy host's nightly re-evaluation of 300 borrowers, fixed-length
records of config/layouts/borrower-review.toml (80 bytes, cp949, one per line, in key order).
new-results.csv: the new system's output table exported as CSV (UTF-8, rate without trailing
zeros, ISO dates), with these known differences (tests/tests/reconcile/example.rs checks them):
  borrower  17  decision changed                       -> mismatch body.decision
  borrower  42  limit_amount 500,000 lower             -> mismatch body.limit_amount
  borrower  88  rate 0.250 higher                      -> mismatch body.rate
  borrower 123  rate 0.001 higher (rounding)           -> a match: the strategy's tolerance
  borrower 150  missing                                -> only_in_legacy
  borrower 201  written twice                          -> duplicate_in_new
  borrower 301  only in the new output                 -> only_in_new
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FAMILY = "김이박최정강조윤장임"
GIVEN = ["민수", "지은", "서준", "유나", "도윤", "하은", "시우", "지우", "예준", "서연", "현우"]
GRADES = ["A1", "A2", "B1", "B2", "C1"]
DECISIONS = ["K", "K", "K", "R", "C"]


def borrower(i):
    return {
        "cust_no": "%012d" % (100000 + i),
        "name": FAMILY[i % 10] + GIVEN[i * 7 % 11],
        "grade": GRADES[i * 3 % 5],
        "decision": DECISIONS[i * 11 % 5],
        "limit": 5_000_000 + i * 137 % 200 * 100_000,
        "rate_milli": 3_500 + i * 37 % 400,
        "date": "20261130",
    }


def fixed(b):
    name = b["name"].encode("cp949").ljust(20, b" ")
    return (b["cust_no"].encode() + name + b["grade"].encode().ljust(2) + b["decision"].encode()
            + b"%015d%06d" % (b["limit"], b["rate_milli"]) + b["date"].encode() + b" " * 16 + b"\n")


def csv_row(b):
    rate = ("%d.%03d" % divmod(b["rate_milli"], 1000)).rstrip("0").rstrip(".")
    date = "%s-%s-%s" % (b["date"][:4], b["date"][4:6], b["date"][6:])
    return ",".join([b["cust_no"], b["name"], b["grade"], b["decision"], str(b["limit"]), rate, date])


legacy = [borrower(i) for i in range(1, 301)]
with open(os.path.join(HERE, "borrower-review.dat"), "wb") as out:
    for b in legacy:
        record = fixed(b)
        assert len(record) == 81, record
        out.write(record)

new = []
for b in legacy:
    b = dict(b)
    i = int(b["cust_no"]) - 100000
    if i == 17:
        b["decision"] = "R" if b["decision"] != "R" else "K"
    elif i == 42:
        b["limit"] -= 500_000
    elif i == 88:
        b["rate_milli"] += 250
    elif i == 123:
        b["rate_milli"] += 1
    elif i == 150:
        continue
    elif i == 201:
        new.append(b)
    new.append(b)
new.append(borrower(301))
with open(os.path.join(HERE, "new-results.csv"), "w", encoding="utf-8", newline="\n") as out:
    out.write("cust_no,cust_name,grade,decision,limit_amount,rate,review_date\n")
    for b in new:
        out.write(csv_row(b) + "\n")
