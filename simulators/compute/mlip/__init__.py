"""labwright.simulators.compute.mlip: machine-learned interatomic potentials (MACE) as ASE calculators.

Reference data come from offline calculators (``reference``: EMT, exact Lennard-Jones, tblite
GFN2-xTB) as strained, rattled and MD-sampled configurations (``dataset``). Models are trained
by mace-torch's own trainer (``training``: ``mace.cli.run_train`` in a child process) and kept
in MACE's own file format, so ``mace.calculators.MACECalculator`` loads them as they are.

Public entry points (each takes a pydantic request and returns a pydantic report):

- ``train.train_potential(TrainRequest)``: data, E0s, committee training (Dask tasks via
  ``labwright.simulators.compute.cluster.run_tasks``), held-out errors;
- ``finetune.finetune_potential(FinetuneRequest)``: new elements or phases, replay, forgetting
  on the old test set before and after;
- ``evaluation.evaluate_potential(EvalRequest)``: energy and force MAE / RMSE;
- ``dynamics.run_md(MdRequest)``: NVT dynamics, extended-XYZ trajectory;
- ``active_learning.active_learn(ActiveLearnRequest)``: query-by-committee loop;
- ``calculator.CommitteeCalculator``: an ASE calculator with the committee's spread;
- ``tool.run_mlip_predict_tool(MlipPredictInput)``: the read-only agent tool.

Nothing heavy is imported here: import the submodules you need.
"""
