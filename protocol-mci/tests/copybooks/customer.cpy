000100******************************************************************CUSTOMER
000200* CUSTOMER MASTER RECORD: GROUPS, ZONED NUMBERS, FILLER, VALUE    CUSTOMER
000300* CLAUSES AND 88-LEVELS.                                          CUSTOMER
000400/                                                                 CUSTOMER
000500 01  CUSTOMER-RECORD.                                             CUSTOMER
000600     05  CUST-ID                 PIC X(8).                        CUSTOMER
000700     05  CUST-STATUS             PIC X     VALUE 'A'.             CUSTOMER
000800         88  CUST-ACTIVE                   VALUE 'A'.             CUSTOMER
000900         88  CUST-CLOSED                   VALUE 'C' 'X'.         CUSTOMER
001000     05  CUST-NAME.                                               CUSTOMER
001100         10  FIRST-NAME          PIC X(10).                       CUSTOMER
001200         10  LAST-NAME           PIC X(12).                       CUSTOMER
001300     05  CUST-BALANCE            PIC S9(7)V99 VALUE ZERO.         CUSTOMER
001400     05  CUST-LIMIT              PIC 9(5)V9(2).                   CUSTOMER
001500     05  FILLER                  PIC X(3)  VALUE SPACES.          CUSTOMER
001600     05  CUST-SINCE.                                              CUSTOMER
001700         10  SINCE-YEAR          PIC 9(4).                        CUSTOMER
001800         10  SINCE-MONTH         PIC 99.                          CUSTOMER
