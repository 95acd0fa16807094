# The leaders' tables; depends on the committed cases schema only (the item table).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('cases', '0011_portal_requests_and_outbox'),
        ('orgs', '0003_unit_doc_prefix'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CaseOwnership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('leader_post', models.CharField(blank=True, max_length=60, verbose_name='领导职务')),
                ('title', models.CharField(max_length=200, verbose_name='包案事项')),
                ('plan', models.TextField(verbose_name='化解方案')),
                ('deadline', models.DateField(verbose_name='化解期限')),
                ('state', models.CharField(choices=[('open', '化解中'), ('concluded', '已化解待观察'), ('settled', '息诉罢访'), ('unsettled', '未息诉（再次信访）')], default='open', max_length=10, verbose_name='状态')),
                ('started_on', models.DateField(verbose_name='包案日期')),
                ('outcome', models.TextField(blank=True, default='', verbose_name='化解结果')),
                ('concluded_on', models.DateField(blank=True, null=True, verbose_name='化解日期')),
                ('settled_checked_on', models.DateField(blank=True, null=True, verbose_name='息诉罢访核定日期')),
                ('settled_note', models.TextField(blank=True, default='', verbose_name='核定说明')),
                ('created_at', models.DateTimeField(verbose_name='记录时间')),
                ('leader', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='包案领导')),
                ('team_members', models.ManyToManyField(blank=True, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='工作专班成员')),
                ('team_units', models.ManyToManyField(blank=True, related_name='+', to='orgs.unit', verbose_name='责任单位')),
            ],
            options={
                'verbose_name': '领导包案',
                'verbose_name_plural': '领导包案',
                'ordering': ['deadline', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='DownVisit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('on', models.DateField(verbose_name='日期')),
                ('place', models.CharField(max_length=120, verbose_name='地点')),
                ('people_met', models.PositiveIntegerField(default=0, verbose_name='接待群众人次')),
                ('notes', models.TextField(blank=True, verbose_name='情况记录')),
                ('created_at', models.DateTimeField(verbose_name='记录时间')),
                ('items', models.ManyToManyField(blank=True, related_name='+', to='cases.case', verbose_name='反映的信访件')),
                ('leader', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='下访领导')),
                ('recorded_by', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='记录人')),
            ],
            options={
                'verbose_name': '领导下访',
                'verbose_name_plural': '领导下访',
                'ordering': ['-on', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='MeetingNote',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('held_on', models.DateField(verbose_name='会议日期')),
                ('attendees', models.CharField(blank=True, max_length=300, verbose_name='参会人员')),
                ('text', models.TextField(verbose_name='会议纪要')),
                ('created_at', models.DateTimeField(verbose_name='记录时间')),
                ('ownership', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notes', to='leaders.caseownership', verbose_name='包案')),
                ('recorded_by', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='记录人')),
            ],
            options={
                'verbose_name': '包案会议纪要',
                'verbose_name_plural': '包案会议纪要',
                'ordering': ['ownership', 'held_on', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Milestone',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('due_on', models.DateField(verbose_name='计划完成日期')),
                ('text', models.CharField(max_length=300, verbose_name='工作节点')),
                ('done_on', models.DateField(blank=True, null=True, verbose_name='完成日期')),
                ('created_by', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='记录人')),
                ('done_by', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='确认人')),
                ('ownership', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='milestones', to='leaders.caseownership', verbose_name='包案')),
            ],
            options={
                'verbose_name': '包案工作节点',
                'verbose_name_plural': '包案工作节点',
                'ordering': ['ownership', 'due_on', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='OwnershipItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('added_on', models.DateField(verbose_name='纳入日期')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='cases.case', verbose_name='信访件')),
                ('ownership', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='item_links', to='leaders.caseownership')),
            ],
            options={
                'verbose_name': '包案信访件',
                'verbose_name_plural': '包案信访件',
            },
        ),
        migrations.AddField(
            model_name='caseownership',
            name='items',
            field=models.ManyToManyField(related_name='ownerships', through='leaders.OwnershipItem', to='cases.case', verbose_name='信访件'),
        ),
        migrations.CreateModel(
            name='ReceptionDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('leader_name', models.CharField(max_length=30, verbose_name='接访领导')),
                ('leader_post', models.CharField(max_length=60, verbose_name='职务')),
                ('on', models.DateField(verbose_name='日期')),
                ('time', models.CharField(help_text='如 上午9:00—12:00', max_length=40, verbose_name='时间')),
                ('place', models.CharField(max_length=120, verbose_name='地点')),
                ('topics', models.CharField(blank=True, max_length=300, verbose_name='接访重点')),
                ('created_at', models.DateTimeField(verbose_name='录入时间')),
                ('created_by', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='录入人')),
                ('items', models.ManyToManyField(blank=True, related_name='+', to='cases.case', verbose_name='当日登记的来访件')),
            ],
            options={
                'verbose_name': '领导接访日',
                'verbose_name_plural': '领导接访日',
                'ordering': ['on', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Instruction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.TextField(verbose_name='批示内容')),
                ('due_on', models.DateField(verbose_name='办理时限')),
                ('issued_on', models.DateField(verbose_name='批示日期')),
                ('answer', models.TextField(blank=True, default='', verbose_name='落实情况')),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='答复时间')),
                ('created_at', models.DateTimeField(verbose_name='记录时间')),
                ('answered_by', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='答复人')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='leader_instructions', to='cases.case', verbose_name='信访件')),
                ('leader', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='批示领导')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.unit', verbose_name='落实单位')),
            ],
            options={
                'verbose_name': '领导阅批',
                'verbose_name_plural': '领导阅批',
                'ordering': ['due_on', 'pk'],
                'indexes': [models.Index(condition=models.Q(('answered_at__isnull', True)), fields=['unit', 'due_on'], name='instruction_open_unit')],
            },
        ),
        migrations.AddConstraint(
            model_name='ownershipitem',
            constraint=models.UniqueConstraint(fields=('ownership', 'case'), name='uniq_ownership_item'),
        ),
        migrations.AddIndex(
            model_name='caseownership',
            index=models.Index(fields=['state', 'concluded_on'], name='ownership_state_concluded'),
        ),
        migrations.AddIndex(
            model_name='receptionday',
            index=models.Index(fields=['on'], name='reception_day_on'),
        ),
    ]
