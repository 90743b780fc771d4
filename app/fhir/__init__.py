"""FHIR R4: plain data in, JSON-ready dicts out. No Flask, no database.

questionnaire.py builds a Questionnaire from an instrument definition; resources.py builds
a screening's Bundle and the Observations of a score; score_input.py reads a
QuestionnaireResponse another system sent back into answers our scorer takes.
"""
