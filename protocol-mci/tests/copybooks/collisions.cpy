      * FLATTENED GROUPS WHOSE ITEMS SHARE NAMES, FILLER GROUPS, NATIONAL,
      * ALPHABETIC, JUSTIFIED AND EDITED PICTURES.
       01  PARTY-RECORD.
           05  PARTY-NAME       PIC N(4).
           05  HOME-ADDRESS.
               10  CITY         PIC X(10).
               10  ZIP          PIC X(5).
           05  WORK-ADDRESS.
               10  CITY         PIC X(10).
               10  ZIP          PIC X(5).
           05  FILLER.
               10  NICKNAME     PIC A(6).
               10  FILLER       PIC X(2).
           05  BRANCH-NO        PIC X(4) JUSTIFIED RIGHT.
           05  PRINT-AMOUNT     PIC ZZ,ZZ9.99-.
