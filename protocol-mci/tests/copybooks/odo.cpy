      * A TABLE OF VARIABLE SIZE (OCCURS DEPENDING ON) WITH A FIELD
      * AFTER IT; TWO RECORDS: REQUEST AND RESPONSE.
       01  LOAN-REQUEST.
           05  APPLICANT-ID     PIC X(6).
           05  LOAN-COUNT       PIC 9(2).
           05  LOANS            OCCURS 0 TO 5 TIMES
                                DEPENDING ON LOAN-COUNT.
               10  LENDER       PIC X(4).
               10  LOAN-BALANCE PIC 9(7).
           05  REQUESTED        PIC 9(7).
       01  LOAN-ANSWER.
           05  DECISION         PIC X.
           05  REASON           PIC X(4).
