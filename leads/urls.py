"""Portal pages of the leads app: the manager's lead desk, the partner's inbox, deal
registration, qualification criteria, the catalogue of materials, and the analytics."""

from django.urls import path

from .views import analytics, criteria, leads, materials, registrations

app_name = "leads"

urlpatterns = [
    # --- leads: the manager's list and the partner's inbox, one lead's page and its acts ---
    path("leads/", leads.lead_list, name="list"),
    path("leads/export/", leads.lead_export, name="export"),
    path("leads/new/", leads.lead_create, name="create"),
    path("leads/bulk/", leads.lead_bulk, name="bulk"),
    path("leads/import/", leads.lead_import, name="import"),
    path("leads/inbox/", leads.lead_inbox, name="inbox"),
    path("leads/<int:pk>/", leads.lead_detail, name="detail"),
    path("leads/<int:pk>/assign/", leads.lead_assign, name="assign"),
    path("leads/<int:pk>/route/", leads.lead_route, name="route"),
    path("leads/<int:pk>/accept/", leads.lead_accept, name="accept"),
    path("leads/<int:pk>/reject/", leads.lead_reject, name="reject"),
    path("leads/<int:pk>/qualify/", leads.lead_qualify, name="qualify"),
    path("leads/<int:pk>/convert/", leads.lead_convert, name="convert"),
    path("leads/<int:pk>/win/", leads.lead_win, name="win"),
    path("leads/<int:pk>/lose/", leads.lead_lose, name="lose"),
    path("leads/<int:pk>/owner/", leads.lead_hand, name="hand"),
    # --- deal registration ---
    path("leads/register/", registrations.deal_register, name="register"),
    path("leads/registrations/", registrations.registration_list, name="registrations"),
    path(
        "leads/registrations/<int:pk>/decide/",
        registrations.registration_decide,
        name="registration-decide",
    ),
    # --- qualification criteria (the DQL definition) ---
    path("leads/criteria/", criteria.criteria_page, name="criteria"),
    path("leads/criteria/draft/items/", criteria.criterion_add, name="criterion-add"),
    path(
        "leads/criteria/draft/items/<int:pk>/",
        criteria.criterion_edit,
        name="criterion-edit",
    ),
    path(
        "leads/criteria/draft/items/<int:pk>/delete/",
        criteria.criterion_delete,
        name="criterion-delete",
    ),
    path("leads/criteria/draft/publish/", criteria.criteria_publish, name="criteria-publish"),
    path(
        "leads/criteria/<int:number>/acknowledge/",
        criteria.criteria_acknowledge,
        name="criteria-acknowledge",
    ),
    # --- sales materials, products and promotions ---
    path("leads/materials/", materials.material_list, name="materials"),
    path("leads/materials/new/", materials.material_create, name="material-create"),
    path("leads/materials/<int:pk>/", materials.material_detail, name="material-detail"),
    path("leads/materials/<int:pk>/edit/", materials.material_edit, name="material-edit"),
    path("leads/materials/<int:pk>/rate/", materials.material_rate, name="material-rate"),
    path("leads/materials/<int:pk>/file/", materials.material_file, name="material-file"),
    # --- analytics: the channel for managers, its own funnel against its peers for a partner ---
    path("leads/analytics/", analytics.analytics_page, name="analytics"),
]
