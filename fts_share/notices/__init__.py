"""Notices: the marshmallow schemas at the edges and the services that publish,
update, withdraw and open notices."""
