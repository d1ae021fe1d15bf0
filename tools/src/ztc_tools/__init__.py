"""科技成果直通车 development tools: what developers and CI run and production never installs.

The local stack launcher (:mod:`ztc_tools.stack`), ``make run`` (:mod:`ztc_tools.devserver`) with its
mail sink, the services' manifests (:mod:`ztc_tools.manifest`) and what reads them (the test process
helpers, the Kubernetes generator), the event catalogue (:mod:`ztc_tools.asyncapi`) and the schema
compatibility check (:mod:`ztc_tools.compat`). It imports the kernel and, by the modules their
manifests name, the services; nothing in production imports it.
"""
