"""Work on a second core (beside.py): a forked helper process beside the main line of a stage — the export's
copies and tables, the fieldwork exports read two at a time — with its result or error handed back."""
