"""The training wing: live plots, the plane view, and the controller of the training thread."""
