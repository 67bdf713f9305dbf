"""Linked-data and metadata exports: DCAT-AP 3 / DCAT-AP-NO (RDF), SKOS/XKOS code lists,
DDI-Codebook 2.5 and OAI-PMH 2.0.

The modules here take plain domain data (a catalogue snapshot, duck-typed through the
protocols in `inputs`) and return text; they know nothing of the database or the web.
rdflib lives here and only here.
"""
