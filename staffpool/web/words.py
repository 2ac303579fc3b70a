"""Every word of the workspace's pages, as msgids (the catalogue's extractor reads Python
only, so the templates take them from here, translated per request)."""

from __future__ import annotations

from staffpool.i18n import N_, _

WORDS: dict[str, str] = {
    "title": N_("staffpool workspace"),
    "language": N_("Language"),
    "instances": N_("Instances"),
    "upload": N_("Upload an instance"),
    "upload_hint": N_("A workbook (.xlsx, English or Chinese), an instance JSON, or a .zip of an instance folder."),
    "upload_button": N_("Upload and check"),
    "problems": N_("Problems"),
    "warnings": N_("Warnings"),
    "file": N_("File or sheet"),
    "row": N_("Row"),
    "column": N_("Column"),
    "value": N_("Value"),
    "message": N_("What is wrong"),
    "name": N_("Name"),
    "communities": N_("Communities"),
    "institutions": N_("Institutions"),
    "staff": N_("Staff"),
    "runs": N_("Runs"),
    "no_runs": N_("No runs yet."),
    "new_run": N_("Run"),
    "command": N_("Command"),
    "mode": N_("Reform mode"),
    "policy_mode": N_("the policy's"),
    "knobs": N_("What if"),
    "hiring_budget": N_("Hiring budget (× each community's)"),
    "max_distance_km": N_("Distance limit (km)"),
    "max_moves": N_("Move cap (people per community)"),
    "treasury_budget": N_("Treasury budget (× each community's)"),
    "blank_keeps": N_("Blank: as the instance says."),
    "grid": N_("For a sweep: the scenario grid (the lines of GRID.yaml)"),
    "start": N_("Start"),
    "status": N_("Status"),
    "progress": N_("Progress"),
    "cancel": N_("Cancel"),
    "delete": N_("Delete"),
    "levels": N_("Levels"),
    "level": N_("Level"),
    "moves": N_("Who moves where"),
    "no_moves": N_("Nobody moves."),
    "person": N_("Person"),
    "from": N_("From"),
    "to": N_("To"),
    "change": N_("Change"),
    "distance": N_("Distance (km)"),
    "downloads": N_("Downloads"),
    "report": N_("Report"),
    "compare": N_("Side by side"),
    "compare_button": N_("Put the two chosen runs side by side"),
    "run": N_("Run"),
    "counts": N_("Counts"),
    "error": N_("Error"),
    "reasons": N_("Reasons"),
    "login": N_("Sign in"),
    "token": N_("Token"),
    "login_hint": N_("This workspace needs the token it was started with."),
    "api_docs": N_("API"),
    "options": N_("Options"),
}

STATUS_WORDS: dict[str, str] = {
    "queued": N_("queued"), "running": N_("running"), "done": N_("done"), "failed": N_("failed"),
    "interrupted": N_("interrupted"), "cancelled": N_("cancelled"),
}

COMMAND_WORDS: dict[str, str] = {
    "solve": N_("solve: one plan"), "compare": N_("compare: the three modes"), "explain": N_("explain: what binds"),
    "rotate": N_("rotate: grassroots rotation"), "plan": N_("plan: every year of the horizon"),
    "sweep": N_("sweep: a grid of scenarios"),
}


def translated() -> dict[str, dict[str, str]]:
    """The words in the current language."""
    return {"w": {k: _(v) for k, v in WORDS.items()}, "statuses": {k: _(v) for k, v in STATUS_WORDS.items()},
            "commands": {k: _(v) for k, v in COMMAND_WORDS.items()}}
