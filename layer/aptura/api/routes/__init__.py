"""The unified API's routes, one module per resource.

Each module holds a Powertools ``Router``; a Lambda handler in ``functions/`` includes
the routers it serves, and ``aptura.api.openapi`` includes them all to describe the API.
Routes are thin: validate, resolve the caller, run one spec operation, shape the answer.
"""
