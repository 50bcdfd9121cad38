-- Export.selection held the whole stored request (delivery, selection, card, format options): name it so.
ALTER TABLE "Export" RENAME COLUMN "selection" TO "request";
