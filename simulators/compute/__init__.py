"""Computational chemistry served to the planner as tools and digital twins.

``mlip`` trains, fine-tunes and runs MACE interatomic potentials as ASE calculators with
committee uncertainty; ``structure`` searches for low-energy structures (random sensible
structures, basin hopping); ``design`` runs inverse molecular design (graph and SELFIES genetic
algorithms over RDKit oracles); ``cluster`` spreads independent tasks over Dask workers. This is
the only part of labwright that needs torch, ASE, mace or tblite; nothing below the agents
imports it except through these packages.
"""
