"""Provisioners: where a run's servers come from, each owning their lifecycle.

Both give the steps the same lab: `topology` (the document's servers by name and role, with
their networks and addresses), `server(name)` / `servers` (oat.servers.Server, reached over
their backend), `package_source` (makes a server the run creates use the run's packages),
`restart(name)`, `image_tag(name)`, `describe()` and `destroy()`.

- oat.lab.Lab: the Docker lab (containers, networks and volumes oat makes and removes).
- oat.provision.inventory.InventoryLab: servers you already have, listed in an inventory
  file and reached over SSH; oat makes nothing and removes nothing but its SSH connections.
"""
