"""Pages (stub)."""
def home(request, *a, **k):
    raise NotImplementedError
def distributor_list(request, *a, **k):
    raise NotImplementedError
def distributor_export(request, *a, **k):
    raise NotImplementedError
def distributor_create(request, *a, **k):
    raise NotImplementedError
def distributor_detail(request, *a, **k):
    raise NotImplementedError
def distributor_edit(request, *a, **k):
    raise NotImplementedError
def my_distributor(request, *a, **k):
    raise NotImplementedError
def import_list(request, *a, **k):
    raise NotImplementedError
def import_create(request, *a, **k):
    raise NotImplementedError
def import_detail(request, *a, **k):
    raise NotImplementedError
def import_status(request, *a, **k):
    raise NotImplementedError
def import_commit(request, *a, **k):
    raise NotImplementedError
def import_template(request, *a, **k):
    raise NotImplementedError
