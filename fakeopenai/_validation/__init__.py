"""Request bodies checked against the shipped JSON Schemas, with the real API's error texts.

`bodies` is the entry point (`validate_body`); `checkers` compiles schemas into checkers; `forms` turns multipart
form fields into the JSON body they stand for; `kinds` names the kinds of value a body holds; `wording` has the
real API's error texts.
"""
