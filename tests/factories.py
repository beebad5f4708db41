"""factory_boy factories for the platform's models."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from brokers.models import TechnologyManager
from core.validators import uscc_check_char
from needs.models import Enterprise, EnterpriseMembership, Need
from outcomes.models import Institution, InstitutionMembership, Outcome

TEST_PASSWORD = "pw-for-tests-9f3k"


def valid_uscc(n: int) -> str:
    """A unified social credit code with a correct check digit."""
    first17 = f"91610131{n:09d}"
    return first17 + uscc_check_char(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(TEST_PASSWORD)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    code = factory.Sequence(lambda n: f"ent{n}")
    name = factory.Sequence(lambda n: f"陕西第{n}精密制造有限公司")
    credit_code = factory.Sequence(valid_uscc)
    city = "宝鸡"
    industry_chain = "high_end_equipment"
    contact_name = "李工"
    contact_phone = "0917-0000000"
    contact_email = factory.LazyAttribute(lambda e: f"contact@{e.code}.example.com")


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    code = factory.Sequence(lambda n: f"inst{n}")
    name = factory.Sequence(lambda n: f"第{n}理工大学")
    kind = Institution.Kind.UNIVERSITY
    city = "西安"
    contact_name = "王老师"
    contact_phone = "029-0000000"
    contact_email = factory.LazyAttribute(lambda i: f"tto@{i.code}.example.com")


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    enterprise = factory.SubFactory(EnterpriseFactory)
    title = factory.Sequence(lambda n: f"铝合金焊缝气孔问题攻关{n}")
    public_title = ""
    description = "激光焊接铝合金电池托盘，焊缝气孔多，气密检测一次通过率低，希望引进新工艺。"
    industry_chain = "new_energy_vehicles"
    city = "咸阳"
    budget_wan = 150
    min_trl = 6
    cooperation_modes = ["co_development"]
    status = Need.Status.OPEN


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outcome

    institution = factory.SubFactory(InstitutionFactory)
    external_id = factory.Sequence(lambda n: f"EXT-{n:05d}")
    title = factory.Sequence(lambda n: f"激光-电弧复合焊接工艺{n}")
    abstract = "提出激光-电弧复合热源焊接方法，抑制铝合金焊缝气孔，气孔率降低80%。"
    keywords = ["激光焊接", "铝合金"]
    industry_chain = "high_end_equipment"
    trl = 6
    transfer_modes = ["licence"]
    asking_price_wan = 100
    status = Outcome.Status.AVAILABLE


class TechnologyManagerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TechnologyManager

    user = factory.SubFactory(UserFactory)
    certificate_number = factory.Sequence(lambda n: f"SXJL-TEST-{n:04d}")
    certified_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=365))
    valid_until = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=365))
    star_level = 3
    specialties = ["high_end_equipment"]
    regions = ["西安"]
    capacity = 20


def add_enterprise_member(enterprise: Enterprise, username: str):
    user = UserFactory(username=username)
    EnterpriseMembership.objects.create(enterprise=enterprise, user=user)
    return user


def add_institution_member(institution: Institution, username: str):
    user = UserFactory(username=username)
    InstitutionMembership.objects.create(institution=institution, user=user)
    return user
