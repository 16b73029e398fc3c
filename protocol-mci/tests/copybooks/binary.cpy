      * BINARY ITEMS: COMP, BINARY, COMP-4 (BOUNDED BY THE PICTURE'S
      * DIGITS) AND COMP-5 (NATIVE, THE WHOLE WIDTH); A GROUP USAGE.
       01  BINARY-FIELDS.
           05  SMALL-COUNT      PIC 9(4)       COMP.
           05  SIGNED-HALF      PIC S9(4)      BINARY.
           05  FULL-WORD        PIC S9(9)      USAGE IS COMPUTATIONAL.
           05  DOUBLE-WORD      PIC 9(18)      COMP-4.
           05  NATIVE-HALF      PIC S9(4)      COMP-5.
           05  NATIVE-WORD      PIC 9(9)       USAGE COMP-5.
           05  RATE             PIC S9(3)V99   COMP SYNC.
           05  COMP-GROUP       USAGE COMP.
               10  G-ONE        PIC 9(4).
               10  G-TWO        PIC S9(9).
