"""Work on a second core (beside.py): a forked helper process beside the main line of a stage — the exports read
two at a time, open answers coded two at a time, work/ files and the delivery's copies and tables written beside
the rest — with its result or error handed back."""
