"""ror_graph: backend for the French ROR (Répertoire de l'Offre et des Ressources en santé).

The ROR is the national directory in which every health and medico-social structure describes
what it offers (EJ → établissement → unité opérationnelle). See README.md for the map.
"""

__version__ = "0.1.0"
