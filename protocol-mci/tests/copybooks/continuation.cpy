000100* CONTINUATION LINES, SEQUENCE NUMBERS, DEBUG LINES AND A         CONTIN01
000200* FLOATING COMMENT; COLUMNS 73-80 HOLD AN IDENTIFICATION.         CONTIN01
000300 01  CONTINUED-RECORD.                                            CONTIN01
000400     05  GREETING   PIC X(40) VALUE 'THIS LITERAL IS CONTINUED ON CONTIN01
000500-    'THE NEXT LINE'.                                             CONTIN01
000600     05  LONG-AMOUNT         PIC S9(9                             CONTIN01
000700-        )V99.                                                    CONTIN01
000800     05  SPLIT-NA                                                 CONTIN01
000900-        ME                  PIC X(5).                            CONTIN01
001000D    05  DEBUG-ONLY          PIC X(99).                           CONTIN01
001100     05  AFTER-DEBUG         PIC 9(3). *> A FLOATING COMMENT      CONTIN01
