      * A REDEFINES INSIDE THE ELEMENT OF AN OCCURS DEPENDING ON TABLE.
       01  STATEMENT.
           05  LINE-COUNT        PIC 9(2).
           05  STMT-LINES        OCCURS 1 TO 10 TIMES
                                 DEPENDING ON LINE-COUNT.
               10  LINE-TYPE     PIC X.
               10  LINE-DATA     PIC X(12).
               10  LINE-AMOUNT REDEFINES LINE-DATA.
                   15  AMT       PIC S9(9)V99.
                   15  CCY       PIC X.
