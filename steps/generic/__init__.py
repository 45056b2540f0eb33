"""The generic step layer: sentences any runbook uses, addressed by server name or role;
no product is named here."""
