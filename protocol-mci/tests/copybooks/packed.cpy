      * PACKED DECIMALS: ODD AND EVEN DIGIT COUNTS, SIGNED AND NOT.
       01  PACKED-FIELDS.
           05  BALANCE          PIC S9(7)V99   COMP-3.
           05  EVEN-AMOUNT      PIC S9(8)V99   COMP-3.
           05  UNSIGNED-QTY     PIC 9(5)       PACKED-DECIMAL.
           05  SMALL            PIC S9         COMPUTATIONAL-3.
           05  PACKED-GROUP     USAGE IS PACKED-DECIMAL.
               10  P-ONE        PIC S9(3).
