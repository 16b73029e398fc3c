      * NESTED OCCURS DEPENDING ON; THE OUTER COUNT IS A SIGNED BINARY.
       01  PORTFOLIO.
           05  ACCOUNT-COUNT    PIC S9(4) COMP.
           05  ACCOUNTS         OCCURS 1 TO 4 TIMES
                                DEPENDING ON ACCOUNT-COUNT.
               10  ACCOUNT-NO   PIC X(10).
               10  TXN-COUNT    PIC 9(2).
               10  TXNS         OCCURS 0 TO 9 TIMES DEPENDING TXN-COUNT.
                   15  TXN-AMT  PIC S9(5)V99 COMP-3.
                   15  TXN-TYPE PIC X.
           05  TRAILER-MARK     PIC X(3).
